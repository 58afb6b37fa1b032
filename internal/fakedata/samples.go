package fakedata

// Sample is a label config the sandbox and `trigger` start projects with.
type Sample struct {
	Name        string // short id: text-classification, ner, image-bbox
	Title       string // the project title
	Description string
	LabelConfig string
}

// The sample label configs, as Label Studio's templates write them.
const (
	TextClassificationConfig = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>`

	NERConfig = `<View>
  <Labels name="label" toName="text">
    <Label value="PER" background="red"/>
    <Label value="ORG" background="darkorange"/>
    <Label value="LOC" background="orange"/>
    <Label value="MISC" background="green"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>`

	ImageBBoxConfig = `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Airplane" background="green"/>
    <Label value="Car" background="blue"/>
    <Label value="Person" background="red"/>
  </RectangleLabels>
</View>`
)

// Samples are the sandbox's projects, in the order they are created.
var Samples = []Sample{
	{Name: "text-classification", Title: "Sentiment analysis", Description: "Classify the sentiment of short reviews.", LabelConfig: TextClassificationConfig},
	{Name: "ner", Title: "Named entities", Description: "Mark people, organizations, places and other entities.", LabelConfig: NERConfig},
	{Name: "image-bbox", Title: "Object detection", Description: "Draw boxes around airplanes, cars and people.", LabelConfig: ImageBBoxConfig},
}
